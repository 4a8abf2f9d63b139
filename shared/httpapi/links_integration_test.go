package httpapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/igny8/igny8-serverless/shared/blob/s3link"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/store"
)

// In the cloud images live in a private bucket as s3://bucket/key; every
// image the API answers (the images list, a content's embedded images and
// its versions) carries a presigned GET link instead, valid an hour.
func TestIntegrationImagesArePresignedLinks(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	bucket := s3link.Linker{Config: aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")},
		Bucket: "igny8-dev-images"}
	e := newEnv(t, httpapi.WithImageLinks(bucket))
	acct, key := e.account(t, 0)
	site := e.site(t, key)
	content := domain.Content{ID: store.NewID(), SiteID: site.ID, TaskID: store.NewID(), Title: "Trail shoes", HTML: "<p>x</p>",
		Status: domain.ContentDraft, SiteStatus: domain.SiteNotPublished, CreatedAt: time.Now().UTC()}
	img := domain.Image{ID: store.NewID(), SiteID: site.ID, ContentID: content.ID, ImageType: "featured", Prompt: "a trail",
		URL: "s3://igny8-dev-images/images/" + acct + "/" + site.ID + "/x.png", Status: domain.ImageGenerated, CreatedAt: time.Now().UTC()}
	var w store.Tx
	if err := e.st.PutContent(&w, acct, content); err != nil {
		t.Fatal(err)
	}
	if err := e.st.PutImage(&w, acct, img); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Commit(context.Background(), &w); err != nil {
		t.Fatal(err)
	}
	var list struct{ Items []domain.Image }
	e.c.Do("GET", "/v1/sites/"+site.ID+"/images", nil, bearer(key)...).JSON(t, &list)
	var view struct{ Images []domain.Image }
	e.c.Do("GET", "/v1/sites/"+site.ID+"/content/"+content.ID, nil, bearer(key)...).JSON(t, &view)
	var versions struct{ Items []domain.Image }
	e.c.Do("GET", "/v1/sites/"+site.ID+"/content/"+content.ID+"/images", nil, bearer(key)...).JSON(t, &versions)
	for what, imgs := range map[string][]domain.Image{"list": list.Items, "content": view.Images, "versions": versions.Items} {
		if len(imgs) != 1 {
			t.Fatalf("%s: %d images", what, len(imgs))
		}
		u, err := url.Parse(imgs[0].URL)
		if err != nil || u.Scheme != "https" || u.Host != "igny8-dev-images.s3.eu-west-1.amazonaws.com" || u.Path != strings.TrimPrefix(img.URL, "s3://igny8-dev-images") {
			t.Fatalf("%s: link %q", what, imgs[0].URL)
		}
		q := u.Query()
		if q.Get("X-Amz-Expires") != "3600" || q.Get("X-Amz-Signature") == "" || !strings.HasPrefix(q.Get("X-Amz-Credential"), "AKIDEXAMPLE/") {
			t.Fatalf("%s: not a presigned GET valid an hour: %q", what, imgs[0].URL)
		}
	}
	// A URL outside the bucket is never signed (nor shown).
	if _, err := bucket.Link(context.Background(), "s3://another-bucket/x.png"); err == nil {
		t.Fatal("linked an object of another bucket")
	}
}
