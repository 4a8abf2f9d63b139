package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
)

// Global configuration lives in its own partition: it belongs to no tenant.

// SeedConfig writes the default model registry and billing configuration
// where none exists yet; it never overwrites what an admin changed.
func (s *Store) SeedConfig(ctx context.Context) error {
	put := func(v any, sk string) error {
		it, err := item(v, map[string]string{"PK": keys.ConfigPK, "SK": sk, "_type": "config"})
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
		if err := put(m, keys.ModelPrefix+m.ModelID); err != nil {
			return err
		}
	}
	return nil
}

// Billing reads the billing configuration (the defaults until an admin sets one).
func (s *Store) Billing(ctx context.Context) (domain.BillingConfiguration, error) {
	var b domain.BillingConfiguration
	err := s.get(ctx, keys.ConfigPK, keys.BillingSK, &b)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.DefaultBilling(), nil // never configured: the defaults apply
	}
	return b, err
}

// ListModels returns the model registry.
func (s *Store) ListModels(ctx context.Context) ([]domain.AIModelConfig, error) {
	var out []domain.AIModelConfig
	err := s.queryAll(ctx, keys.ConfigPK, keys.ModelPrefix, func(it map[string]types.AttributeValue) error {
		var m domain.AIModelConfig
		if err := unmarshal(it, &m); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// GetModel reads one model configuration.
func (s *Store) GetModel(ctx context.Context, id string) (domain.AIModelConfig, error) {
	var m domain.AIModelConfig
	err := s.get(ctx, keys.ConfigPK, keys.ModelPrefix+id, &m)
	if errors.Is(err, domain.ErrNotFound) {
		return m, fmt.Errorf("model %s: %w", id, domain.ErrNotFound)
	}
	return m, err
}

// PutModel creates or replaces a model configuration. Making it the default
// clears the previous default of its type in the same transaction, so there
// is always at most one.
func (s *Store) PutModel(ctx context.Context, m domain.AIModelConfig) error {
	if err := m.Validate(); err != nil {
		return err
	}
	it, err := s.put(m, map[string]string{"PK": keys.ConfigPK, "SK": keys.ModelPrefix + m.ModelID, "_type": "config"}, "")
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{it}
	if m.IsDefault {
		all, err := s.ListModels(ctx)
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.IsDefault && o.Type == m.Type && o.ModelID != m.ModelID {
				items = append(items, types.TransactWriteItem{Update: &types.Update{
					TableName: aws.String(s.table), Key: key(keys.ConfigPK, keys.ModelPrefix+o.ModelID),
					UpdateExpression:          aws.String("SET is_default = :f"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":f": &types.AttributeValueMemberBOOL{Value: false}},
				}})
			}
		}
	}
	return s.transact(ctx, items)
}

// PutBilling replaces the billing configuration.
func (s *Store) PutBilling(ctx context.Context, b domain.BillingConfiguration) error {
	if err := b.Validate(); err != nil {
		return err
	}
	it, err := item(b, map[string]string{"PK": keys.ConfigPK, "SK": keys.BillingSK, "_type": "config"})
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it})
	return err
}
