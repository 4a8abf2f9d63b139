package ddb

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/igny8/igny8-serverless/shared/infracost"
)

// meterCapacity asks DynamoDB for the capacity each call consumes and adds it
// to the infracost.Meter of the call's context, when there is one (the local
// stack meters each execution); calls without a Meter are left as they are.
func meterCapacity(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("MeterCapacity",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			m := infracost.From(ctx)
			if m == nil {
				return next.HandleInitialize(ctx, in)
			}
			write, known := askCapacity(in.Parameters)
			out, md, err := next.HandleInitialize(ctx, in)
			if err == nil && known {
				for _, c := range consumed(out.Result) {
					m.AddCapacity(aws.ToFloat64(c.CapacityUnits), write)
				}
			}
			return out, md, err
		}), middleware.Before)
}

// askCapacity sets ReturnConsumedCapacity on the call's input and says
// whether the call writes; known is false for calls that consume none.
func askCapacity(params any) (write, known bool) {
	total := types.ReturnConsumedCapacityTotal
	switch p := params.(type) {
	case *dynamodb.GetItemInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.QueryInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.ScanInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.BatchGetItemInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.TransactGetItemsInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.PutItemInput:
		p.ReturnConsumedCapacity = total
		return true, true
	case *dynamodb.UpdateItemInput:
		p.ReturnConsumedCapacity = total
		return true, true
	case *dynamodb.DeleteItemInput:
		p.ReturnConsumedCapacity = total
		return true, true
	case *dynamodb.BatchWriteItemInput:
		p.ReturnConsumedCapacity = total
		return true, true
	case *dynamodb.TransactWriteItemsInput:
		p.ReturnConsumedCapacity = total
		return true, true
	default:
		return false, false
	}
	return false, true
}

// consumed is the capacity a call's output reports.
func consumed(result any) []types.ConsumedCapacity {
	one := func(c *types.ConsumedCapacity) []types.ConsumedCapacity {
		if c == nil {
			return nil
		}
		return []types.ConsumedCapacity{*c}
	}
	switch r := result.(type) {
	case *dynamodb.GetItemOutput:
		return one(r.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		return one(r.ConsumedCapacity)
	case *dynamodb.ScanOutput:
		return one(r.ConsumedCapacity)
	case *dynamodb.PutItemOutput:
		return one(r.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		return one(r.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		return one(r.ConsumedCapacity)
	case *dynamodb.BatchGetItemOutput:
		return r.ConsumedCapacity
	case *dynamodb.BatchWriteItemOutput:
		return r.ConsumedCapacity
	case *dynamodb.TransactGetItemsOutput:
		return r.ConsumedCapacity
	case *dynamodb.TransactWriteItemsOutput:
		return r.ConsumedCapacity
	}
	return nil
}
