package imagebuilder

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// BenchmarkListInfrastructureConfigurations pages through an account that
// holds 10,000 infrastructure configurations: one page of 25, first and
// from the middle (a page costs the same wherever it starts, and does not
// grow with the account).
func BenchmarkListInfrastructureConfigurations(b *testing.B) {
	db, err := storage.Open(filepath.Join(b.TempDir(), "emulator.db"), storage.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	s := New(db, Options{Clock: func() time.Time { return testTime }})
	ctx, c := callAs("111122223333")
	const total = 10000
	err = db.Update(context.Background(), func(tx *storage.Tx) error {
		for i := range total {
			name := fmt.Sprintf("config-%05d", i)
			rec := &ibv1.InfrastructureConfiguration{
				Arn: ptr(typeARN(c.Region, c.Account, infraConfigs.typ) + "/" + name), Name: ptr(name),
				Description: ptr("build instances"), InstanceTypes: []string{"t3.micro", "m5.large"},
				InstanceProfileName: ptr("builder"), TerminateInstanceOnFailure: ptr(true),
				DateCreated: ptr(timestamp(testTime)), Tags: map[string]string{"env": "bench"},
				ResourceTags: map[string]string{"team": "images"},
			}
			if err := infraConfigs.table.Insert(tx, scope(c), nameKey(name).Key(), rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	benchListPages(b, total, func(token *string) (int, *string, error) {
		out, err := s.ListInfrastructureConfigurations(ctx, &ibv1.ListInfrastructureConfigurationsRequest{NextToken: token})
		if err != nil {
			return 0, nil, err
		}
		return len(out.GetInfrastructureConfigurationSummaryList()), out.NextToken, nil
	})
}

// benchListPages benchmarks one page of 25 of a listing of total entries,
// read from the start and from the middle: list returns a page's length
// and next token.
func benchListPages(b *testing.B, total int, list func(token *string) (int, *string, error)) {
	b.Helper()
	var middle *string
	for range total / 2 / 25 {
		_, next, err := list(middle)
		if err != nil {
			b.Fatal(err)
		}
		middle = next
	}
	for _, bc := range []struct {
		name  string
		token *string
	}{{"first", nil}, {"middle", middle}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n, next, err := list(bc.token)
				if err != nil || n != 25 || next == nil {
					b.Fatalf("%v: %d entries", err, n)
				}
			}
		})
	}
}
