package config

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

type fakeParams struct {
	pages [][]types.Parameter
	calls int
}

func (f *fakeParams) GetParametersByPath(_ context.Context, in *ssm.GetParametersByPathInput, _ ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error) {
	if !aws.ToBool(in.WithDecryption) {
		panic("secrets must be read decrypted")
	}
	i := f.calls
	f.calls++
	out := &ssm.GetParametersByPathOutput{Parameters: f.pages[i]}
	if i+1 < len(f.pages) {
		out.NextToken = aws.String("next")
	}
	return out, nil
}

func TestSecretParametersFillTheEnvironment(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "from-env")
	api := &fakeParams{pages: [][]types.Parameter{
		{{Name: aws.String("/igny8/dev/CURSOR_SECRET"), Value: aws.String(" cursor-secret-value \n")}},
		{{Name: aws.String("/igny8/dev/OPENAI_API_KEY"), Value: aws.String("from-ssm")},
			{Name: aws.String("/igny8/dev/UNRELATED"), Value: aws.String("x")}},
	}}
	got := map[string]string{}
	err := applySecretParameters(context.Background(), api, "/igny8/dev/", func(k, v string) error { got[k] = v; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if api.calls != 2 {
		t.Fatalf("pages read: %d", api.calls)
	}
	if got["CURSOR_SECRET"] != "cursor-secret-value" {
		t.Errorf("CURSOR_SECRET = %q", got["CURSOR_SECRET"])
	}
	if _, ok := got["OPENAI_API_KEY"]; ok {
		t.Error("a parameter overrode a setting the environment already has")
	}
	if _, ok := got["UNRELATED"]; ok {
		t.Error("an unknown parameter was set")
	}
}
