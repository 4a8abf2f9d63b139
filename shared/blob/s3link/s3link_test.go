package s3link

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Our links are the ones S3's own presign client makes: same host, path,
// query and signature, for the partitions, session tokens and keys that
// need escaping.
func TestLinksSignAsS3sPresignClient(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	tests := []struct{ region, token, key string }{
		{"eu-west-1", "", "images/acc/site/x.png"},
		{"us-east-1", "session-token/with+chars=", "images/a b/c+d=e&f.png"},
		{"cn-north-1", "", "images/é/ü~x_(1).webp"},
	}
	for _, tc := range tests {
		t.Run(tc.region, func(t *testing.T) {
			cfg := aws.Config{Region: tc.region, Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", tc.token)}
			sdk, err := s3.NewPresignClient(s3.NewFromConfig(cfg)).PresignGetObject(context.Background(),
				&s3.GetObjectInput{Bucket: aws.String("igny8-dev-images"), Key: aws.String(tc.key)}, s3.WithPresignExpires(Expiry))
			if err != nil {
				t.Fatal(err)
			}
			want, _ := url.Parse(sdk.URL)
			at, err := time.Parse("20060102T150405Z", want.Query().Get("X-Amz-Date"))
			if err != nil {
				t.Fatal(err)
			}
			l := Linker{Config: cfg, Bucket: "igny8-dev-images"}
			link, err := l.presign(context.Background(), tc.key, at)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := url.Parse(link)
			if got.Scheme != want.Scheme || got.Host != want.Host || got.EscapedPath() != want.EscapedPath() {
				t.Fatalf("link %s\n want %s", link, sdk.URL)
			}
			gq, wq := got.Query(), want.Query()
			for k := range wq {
				if gq.Get(k) != wq.Get(k) {
					t.Errorf("%s = %q, want %q", k, gq.Get(k), wq.Get(k))
				}
			}
			if len(gq) != len(wq) {
				t.Errorf("query %v, want %v", gq, wq)
			}
		})
	}
}

func TestLinkOnlyTheBucketsObjects(t *testing.T) {
	l := Linker{Config: aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "s", "")}, Bucket: "b"}
	for _, u := range []string{"s3://other/x.png", "s3://b/", "https://b.s3.amazonaws.com/x", "s3://bb/x"} {
		if _, err := l.Link(context.Background(), u); err == nil {
			t.Errorf("linked %q", u)
		}
	}
	link, err := l.Link(context.Background(), "s3://b/x.png")
	if err != nil || !strings.HasPrefix(link, "https://b.s3.eu-west-1.amazonaws.com/x.png?") || !strings.Contains(link, "X-Amz-Expires=3600") {
		t.Fatalf("%s %v", link, err)
	}
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000/")
	if link, _ := l.Link(context.Background(), "s3://b/x.png"); !strings.HasPrefix(link, "http://127.0.0.1:9000/b/x.png?") {
		t.Fatalf("at an emulator: %s", link)
	}
}
