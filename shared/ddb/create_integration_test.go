package ddb_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/igny8/igny8-serverless/shared/ddb"
	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

func TestMain(m *testing.M) { ddblocal.Run(m) }

// A table made by an older version (fewer indexes) gets the indexes it
// lacks when the stack starts on it; a second start changes nothing.
func TestIntegrationCreateTableAddsMissingIndexes(t *testing.T) {
	ctx := context.Background()
	c, _ := ddblocal.NewTable(t)
	old := tabledef.Definition
	old.Indexes = old.Indexes[:1]
	if err := ddb.CreateTable(ctx, c, "older-table", old); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := ddb.CreateTable(ctx, c, "older-table", tabledef.Definition); err != nil {
			t.Fatal(err)
		}
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("older-table")})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, ix := range d.Table.GlobalSecondaryIndexes {
		have[aws.ToString(ix.IndexName)] = true
	}
	for _, ix := range tabledef.Definition.Indexes {
		if !have[ix.Name] {
			t.Errorf("index %s was not added (have %v)", ix.Name, have)
		}
	}
}
