// Package domain holds what IGNY8 is about, free of storage and transport:
// the entities and their statuses, the typed errors, validation, the
// automation stage table (Stages: each stage's operation, waiting items and
// batch sizes), the pricing of credits and money, and the estimates that
// price work before it runs. It imports nothing from AWS: stores, the API,
// the state machines and the Lambdas depend on it, never the other way
// round.
package domain
