package ddblocal

import (
	"context"
	"github.com/igny8/igny8-serverless/shared/tabledef"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func TestMain(m *testing.M) { Run(m) }

func TestIntegrationTableFromDefinition(t *testing.T) {
	c, name := NewTable(t)
	out, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(out.Table.GlobalSecondaryIndexes), len(tabledef.Definition.Indexes); got != want {
		t.Fatalf("want %d GSIs, got %d", want, got)
	}
}
