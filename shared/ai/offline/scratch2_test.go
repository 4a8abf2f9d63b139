package offline

import (
	"fmt"
	"testing"

	"github.com/igny8/igny8-serverless/shared/ai"
)

func TestScratchCluster2(t *testing.T) {
	sets := [][]string{
		{"how to potty train a puppy", "puppy crate training schedule", "dog training treats", "best dog training collar", "how to stop dog barking",
			"leash training a stubborn dog", "puppy biting how to stop", "dog obedience classes near me", "clicker training for dogs", "teach dog to sit",
			"french press coffee ratio", "pour over coffee technique", "best coffee grinder for espresso", "cold brew coffee at home", "how to descale an espresso machine",
			"aeropress recipes", "coffee beans storage", "espresso machine for beginners", "moka pot coffee", "burr vs blade coffee grinder",
			"kubernetes deployment yaml example", "kubectl rollout restart deployment", "kubernetes helm chart tutorial", "kubernetes pod crashloopbackoff", "kubernetes ingress nginx setup",
			"kubernetes horizontal pod autoscaler", "deploy app to kubernetes cluster", "kubernetes secrets management", "helm upgrade rollback", "kubernetes service types explained"},
	}
	for _, set := range sets {
		var in ai.ClusteringInput
		for i, k := range set {
			in.Keywords = append(in.Keywords, ai.ClusteringKeyword{ID: fmt.Sprint(i), Keyword: k, Volume: 10})
		}
		out := cluster(in)
		for _, c := range out.Clusters {
			fmt.Printf("== %s (%d) %v\n", c.Name, len(c.Keywords), c.Keywords)
		}
		in.MaxClusters = 2
		out = cluster(in)
		fmt.Println("max 2:")
		for _, c := range out.Clusters {
			fmt.Printf("== %s (%d) %v\n", c.Name, len(c.Keywords), c.Keywords)
		}
	}
}
