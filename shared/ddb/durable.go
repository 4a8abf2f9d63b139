package ddb

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// DynamoDB Local answers a TransactWriteItems before the transaction is on
// disk: killed right after the answer, it comes back without it (measured:
// the last transaction before a SIGKILL was lost in 3 of 4 tries; single-item
// writes never were). The next request on the table waits for it, so every
// transaction is followed, before its answer reaches the caller, by a
// strongly consistent read of an item it wrote. Only with an endpoint
// (Local): on AWS an answer already means durable.

// afterTransactions adds the barrier to a client's middleware stack; reader
// is a client without it.
func afterTransactions(reader *dynamodb.Client) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("DurableTransactions",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				tx, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput)
				if err != nil || !ok || len(tx.TransactItems) == 0 {
					return out, md, err
				}
				table, key := written(tx.TransactItems[0])
				if _, rerr := reader.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key, ConsistentRead: aws.Bool(true)}); rerr != nil {
					return out, md, fmt.Errorf("read after transaction: %w", rerr)
				}
				return out, md, nil
			}), middleware.After)
	}
}

// written is the table and key of a transaction item.
func written(it types.TransactWriteItem) (*string, map[string]types.AttributeValue) {
	switch {
	case it.Put != nil:
		return it.Put.TableName, map[string]types.AttributeValue{
			tabledef.PK: it.Put.Item[tabledef.PK], tabledef.SK: it.Put.Item[tabledef.SK]}
	case it.Update != nil:
		return it.Update.TableName, it.Update.Key
	case it.Delete != nil:
		return it.Delete.TableName, it.Delete.Key
	default:
		return it.ConditionCheck.TableName, it.ConditionCheck.Key
	}
}
