package offline

import (
	"fmt"
	"testing"

	"github.com/igny8/igny8-serverless/shared/ai"
)

func TestScratchCluster(t *testing.T) {
	var in ai.ClusteringInput
	i := 0
	for _, topic := range []string{"trail", "sourdough", "solar"} {
		for _, k := range topicKeywords[topic] {
			i++
			in.Keywords = append(in.Keywords, ai.ClusteringKeyword{ID: fmt.Sprint(i), Keyword: k, Volume: int64(100 + i*7%50)})
		}
	}
	out := cluster(in)
	for _, c := range out.Clusters {
		fmt.Printf("== %s (%d)\n   %s\n", c.Name, len(c.Keywords), c.Description)
		for _, k := range c.Keywords {
			fmt.Println("   -", k)
		}
	}
}
