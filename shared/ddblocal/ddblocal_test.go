package ddblocal

import (
	"context"
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
	if got := len(out.Table.GlobalSecondaryIndexes); got != 2 {
		t.Fatalf("want 2 GSIs, got %d", got)
	}
}
