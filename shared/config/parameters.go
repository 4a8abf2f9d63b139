package config

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/igny8/igny8-serverless/shared/awsenv"
)

// ParameterStore reads and creates single SecureString parameters (the
// bootstrap's secrets and the first admin key) through the same signed SSM
// calls the functions read their secrets with.
type ParameterStore struct{ api ssmHTTP }

// NewParameterStore uses cfg's region, credentials and HTTP client.
func NewParameterStore(cfg aws.Config) ParameterStore { return ParameterStore{api: ssmHTTP{cfg: cfg}} }

// Get returns the decrypted value of name; found is false when there is no
// such parameter.
func (p ParameterStore) Get(ctx context.Context, name string) (value string, found bool, err error) {
	var out struct {
		Parameter struct{ Value string } `json:"Parameter"`
	}
	err = p.api.do(ctx, "AmazonSSM.GetParameter", map[string]any{"Name": name, "WithDecryption": true}, &out)
	var se *awsenv.Error
	if errors.As(err, &se) && se.Type == "ParameterNotFound" {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return out.Parameter.Value, true, nil
}

// PutNew creates name as a SecureString (with the account's default key)
// unless it exists; created is false when it already did, and the value
// there is left as it is.
func (p ParameterStore) PutNew(ctx context.Context, name, value, description string) (created bool, err error) {
	var out struct{ Version int64 }
	err = p.api.do(ctx, "AmazonSSM.PutParameter", map[string]any{"Name": name, "Value": value, "Type": "SecureString",
		"Overwrite": false, "Description": description}, &out)
	var se *awsenv.Error
	if errors.As(err, &se) && se.Type == "ParameterAlreadyExists" {
		return false, nil
	}
	return err == nil, err
}
