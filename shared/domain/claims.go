package domain

import (
	"fmt"
	"strings"
)

// Input is the entity an operation works on: the items it claims while it
// runs.
func (t OperationType) Input() Entity {
	switch t {
	case OperationClustering:
		return EntityKeyword
	case OperationIdeaGeneration:
		return EntityCluster
	case OperationCreateTasks:
		return EntityIdea
	case OperationContentGeneration:
		return EntityTask
	case OperationImagePrompts, OperationReview:
		return EntityContent
	case OperationImageGeneration:
		return EntityImage
	}
	return ""
}

// ClaimedError names the items another operation is working on; starting a
// second operation on them would pay twice for one result. It is an
// ErrConflict (HTTP 409).
type ClaimedError struct {
	Entity Entity
	Items  []string
}

func (e *ClaimedError) Error() string {
	return fmt.Sprintf("another operation is already working on %s %s; wait for it to finish", e.Entity, strings.Join(e.Items, ", "))
}

// Unwrap lets errors.Is(err, ErrConflict) match.
func (e *ClaimedError) Unwrap() error { return ErrConflict }
