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

// BenchmarkListImages pages through an account holding 10,000 image build
// versions (each with its recipe and configurations, as builds store
// them): one page of 25, first and from the middle.
func BenchmarkListImages(b *testing.B) {
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
			name := fmt.Sprintf("image-%05d", i)
			at := resourceARN{Partition: "aws", Region: c.Region, Account: c.Account, Type: "image", Name: name, Version: "1.0.0", Build: 1}
			img := &ibv1.Image{
				Arn: ptr(at.String()), Name: ptr(name), Version: ptr("1.0.0"), Type: ptr("AMI"), Platform: ptr("Linux"),
				State: &ibv1.ImageState{Status: ptr("AVAILABLE")}, DateCreated: ptr(timestamp(testTime)), BuildType: ptr("USER_INITIATED"), ImageSource: ptr("CUSTOM"),
				ImageRecipe:                 &ibv1.ImageRecipe{Arn: ptr(typeARN(c.Region, c.Account, "image-recipe") + "/" + name + "/1.0.0"), Name: ptr(name), Version: ptr("1.0.0"), ParentImage: ptr("ami-0123456789abcdef0")},
				InfrastructureConfiguration: &ibv1.InfrastructureConfiguration{Arn: ptr(typeARN(c.Region, c.Account, "infrastructure-configuration") + "/builder"), InstanceProfileName: ptr("builder")},
				OutputResources:             &ibv1.OutputResources{Amis: []*ibv1.Ami{{Region: ptr(c.Region), Image: ptr("ami-0123456789abcdef0")}}},
				Tags:                        map[string]string{"env": "bench"},
			}
			key, _ := imageKey(at)
			if err := images.Insert(tx, scope(c), key, img); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	benchListPages(b, total, func(token *string) (int, *string, error) {
		out, err := s.ListImages(ctx, &ibv1.ListImagesRequest{NextToken: token})
		if err != nil {
			return 0, nil, err
		}
		return len(out.GetImageVersionList()), out.NextToken, nil
	})
}
