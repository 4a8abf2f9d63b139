package ddblocal

import (
	"context"
	"fmt"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/ddb"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// A transaction our client was answered survives DynamoDB Local being
// SIGKILLed right after the answer. Local itself answers before the
// transaction is on disk (without ddb's read-after-transaction the last
// one was lost in 3 of 4 rounds); single-item writes are durable already.
func TestIntegrationTransactionsSurviveSIGKILL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Start(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Stop() }()
	c, err := s.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := ddb.CreateTable(ctx, c, "durable", tabledef.Definition); err != nil {
		t.Fatal(err)
	}
	item := func(k string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{tabledef.PK: &types.AttributeValueMemberS{Value: k}, tabledef.SK: &types.AttributeValueMemberS{Value: "x"}}
	}
	var acked []string
	for round := range 4 {
		a, b := fmt.Sprintf("r%d-a", round), fmt.Sprintf("r%d-b", round)
		_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("durable"), Item: item(a)}},
			{Put: &types.Put{TableName: aws.String("durable"), Item: item(b)}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		acked = append(acked, a, b)
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL) // at once after the answer
		<-s.done
		if s, err = Start(ctx, Options{DataDir: dir}); err != nil {
			t.Fatal(err)
		}
		if c, err = s.Client(ctx); err != nil {
			t.Fatal(err)
		}
		for _, k := range acked {
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("durable"), Key: item(k), ConsistentRead: aws.Bool(true)})
			if err != nil {
				t.Fatal(err)
			}
			if out.Item == nil {
				t.Fatalf("round %d: the acknowledged item %s is gone after the restart", round, k)
			}
		}
	}
}
