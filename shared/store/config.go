package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// Global configuration lives in its own partition: it belongs to no tenant.
const configPK = "CONFIG"

// SeedConfig writes the default model registry and billing configuration
// where none exists yet; it never overwrites what an admin changed.
func (s *Store) SeedConfig(ctx context.Context) error {
	put := func(v any, sk string) error {
		it, err := item(v, map[string]string{"PK": configPK, "SK": sk, "_type": "config"})
		if err != nil {
			return err
		}
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it,
			ConditionExpression: aws.String("attribute_not_exists(PK)")})
		if err != nil && !isConditionFailed(err) {
			return fmt.Errorf("seed %s: %w", sk, err)
		}
		return nil
	}
	if err := put(domain.DefaultBilling(), "BILLING"); err != nil {
		return err
	}
	for _, m := range domain.DefaultModels() {
		if err := put(m, "MODEL#"+m.ModelID); err != nil {
			return err
		}
	}
	return nil
}

// Billing reads the billing configuration.
func (s *Store) Billing(ctx context.Context) (domain.BillingConfiguration, error) {
	var b domain.BillingConfiguration
	err := s.get(ctx, configPK, "BILLING", &b)
	return b, err
}
