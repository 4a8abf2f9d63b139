// Package ddb builds DynamoDB clients and creates the table from tabledef.
package ddb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/awsenv"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// NewClient returns a DynamoDB client (awsenv.Load, then FromConfig).
func NewClient(ctx context.Context, endpoint string) (*dynamodb.Client, error) {
	cfg, err := awsenv.Load(endpoint)
	if err != nil {
		return nil, err
	}
	return FromConfig(cfg, endpoint), nil
}

// FromConfig is the DynamoDB client of cfg; with an endpoint (DynamoDB
// Local) it skips response checksum validation, because Local sends no CRC
// header on errors, makes every transaction durable before it answers
// (durable.go) and meters the capacity of calls made for a metered
// execution (meter.go).
func FromConfig(cfg aws.Config, endpoint string) *dynamodb.Client {
	if endpoint == "" {
		return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = awsenv.BaseEndpoint("DynamoDB") })
	}
	local := func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.DisableValidateResponseChecksum = true
	}
	reader := dynamodb.NewFromConfig(cfg, local)
	return dynamodb.NewFromConfig(cfg, local, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, afterTransactions(reader), meterCapacity)
	})
}

// Ping checks the endpoint answers DynamoDB calls (a TCP connect is not enough:
// Local accepts connections before it can serve).
func Ping(ctx context.Context, c *dynamodb.Client) error {
	_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
	return err
}

// CreateTable creates the table described by def if it does not exist, waits
// until it is active and enables TTL.
func CreateTable(ctx context.Context, c *dynamodb.Client, name string, def tabledef.Table) error {
	attrs := map[string]bool{def.HashKey: true, def.SortKey: true}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(def.HashKey), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(def.SortKey), KeyType: types.KeyTypeRange},
		},
	}
	for _, ix := range def.Indexes {
		attrs[ix.HashKey], attrs[ix.SortKey] = true, true
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(ix.Name),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(ix.HashKey), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(ix.SortKey), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	for a := range attrs {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a), AttributeType: types.ScalarAttributeTypeS,
		})
	}
	_, err := c.CreateTable(ctx, in)
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(c)
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 2*time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	if inUse != nil {
		// A table from an older version: add the indexes it lacks.
		if err := addIndexes(ctx, c, name, in); err != nil {
			return err
		}
	}
	if def.TTLAttribute != "" && inUse == nil {
		_, err = c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName: aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{
				AttributeName: aws.String(def.TTLAttribute), Enabled: aws.Bool(true),
			},
		})
		if err != nil {
			return fmt.Errorf("enable ttl on %s: %w", name, err)
		}
	}
	return nil
}

// addIndexes creates the indexes of want that the existing table lacks, one
// at a time (DynamoDB allows one index creation per update), and waits for
// each to become active. Items written before keep no entry in a new index
// until they are written again.
func addIndexes(ctx context.Context, c *dynamodb.Client, name string, want *dynamodb.CreateTableInput) error {
	for _, ix := range want.GlobalSecondaryIndexes {
		desc, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("describe table %s: %w", name, err)
		}
		found := false
		for _, have := range desc.Table.GlobalSecondaryIndexes {
			found = found || aws.ToString(have.IndexName) == aws.ToString(ix.IndexName)
		}
		if found {
			continue
		}
		_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{
			TableName: aws.String(name), AttributeDefinitions: want.AttributeDefinitions,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName: ix.IndexName, KeySchema: ix.KeySchema, Projection: ix.Projection}}},
		})
		if err != nil {
			return fmt.Errorf("add index %s to %s: %w", aws.ToString(ix.IndexName), name, err)
		}
		for deadline := time.Now().Add(2 * time.Minute); ; {
			d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
			if err != nil {
				return err
			}
			active := false
			for _, have := range d.Table.GlobalSecondaryIndexes {
				if aws.ToString(have.IndexName) == aws.ToString(ix.IndexName) && have.IndexStatus == types.IndexStatusActive {
					active = true
				}
			}
			if active {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("index %s of %s did not become active", aws.ToString(ix.IndexName), name)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return nil
}
