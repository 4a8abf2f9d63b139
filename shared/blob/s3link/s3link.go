// Package s3link presigns GET links to objects of the private image bucket,
// so the API can show images it keeps as s3://bucket/key.
//
// It signs by hand (Signature V4 query signing, as S3's presign client
// does; a test checks the two sign alike) because the API only links: the
// S3 client's package would cost its cold start about 1 ms and its zip
// 0.4 MiB. The functions that read and write the bucket use s3blob.
package s3link

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/igny8/igny8-serverless/shared/awsenv"
)

// Expiry is how long a link works: long enough to look at a page of
// images, short enough that a leaked link soon dies.
const Expiry = time.Hour

// getObject is what a link lets its holder do, with the API's role.
const getObject awsenv.Action = "s3:GetObject"

// Linker presigns GET links to the objects of one bucket.
type Linker struct {
	Config aws.Config
	Bucket string
}

// FromEnv links the bucket BLOB_BUCKET names, in cfg's region; ok is false
// without one (the local stack serves its files itself).
func FromEnv(cfg aws.Config) (l Linker, ok bool) {
	b := os.Getenv("BLOB_BUCKET")
	return Linker{Config: cfg, Bucket: b}, b != ""
}

// Link is a presigned GET URL of a blob s3://<bucket>/<key>, valid Expiry.
// A URL of another bucket is never signed.
func (l Linker) Link(ctx context.Context, blobURL string) (string, error) {
	key, ok := strings.CutPrefix(blobURL, "s3://"+l.Bucket+"/")
	if !ok || key == "" || l.Bucket == "" {
		return "", fmt.Errorf("blob %q cannot be linked from bucket %s", blobURL, l.Bucket)
	}
	return l.presign(ctx, key, time.Now().UTC())
}

func (l Linker) presign(ctx context.Context, key string, at time.Time) (string, error) {
	if l.Config.Credentials == nil {
		return "", awsenv.ErrNoCredentials
	}
	creds, err := l.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("credentials: %w", err)
	}
	u, err := url.Parse(l.objectURL(key))
	if err != nil {
		return "", err
	}
	u.RawQuery = "X-Amz-Expires=" + strconv.Itoa(int(Expiry/time.Second)) + "&x-id=GetObject"
	req := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: http.Header{}}
	signed, _, err := v4.NewSigner().PresignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", getObject.Service(), l.Config.Region, at,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		return "", fmt.Errorf("presign %s: %w", key, err)
	}
	return signed, nil
}

// objectURL is where the object is: virtual-hosted style at S3's endpoint
// in the region's partition, path style at an endpoint the environment
// names (AWS_ENDPOINT_URL_S3: an emulator).
func (l Linker) objectURL(key string) string {
	path := "/" + escapeKey(key)
	if e := awsenv.Endpoint("S3"); e != "" {
		return strings.TrimSuffix(e, "/") + "/" + l.Bucket + path
	}
	return awsenv.ServiceURL("S3", l.Bucket+".s3", l.Config.Region) + path
}

// escapeKey escapes a key as Signature V4 wants it in a path: every byte
// but the unreserved characters and the slashes, in upper-case hex.
func escapeKey(key string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
