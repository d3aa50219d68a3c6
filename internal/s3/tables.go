package s3

import (
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// IndexScope holds what is global to S3: the bucket index. Its account is
// no AWS account id, so it never collides with one.
var IndexScope = storage.Scope{Account: "s3-global", Region: storage.GlobalRegion}

// Tables of the S3 service, each declared once; keys are built by the
// functions below so that every reader and writer agrees on them.
var (
	// buckets is the global bucket index: name → S3Bucket (IndexScope).
	buckets = storage.NewTable[*recordsv1.S3Bucket]("s3.buckets")
	// ownedBuckets lists an account's buckets for ListBuckets, in the
	// owner's global scope: name → S3OwnedBucket.
	ownedBuckets = storage.NewTable[*recordsv1.S3OwnedBucket]("s3.owned-buckets")
	// objects holds object metadata in the bucket owner's scope of the
	// bucket's region: bucket / key → S3Object.
	objects = storage.NewTable[*recordsv1.S3Object]("s3.objects")
	// chunks holds object and part data, same scope: data id / chunk index →
	// bytes (AES-GCM nonce and ciphertext for encrypted objects).
	chunks = storage.NewTable[*wrapperspb.BytesValue]("s3.chunks")
	// uploads holds multipart uploads in progress: bucket / key / upload id
	// → S3Upload.
	uploads = storage.NewTable[*recordsv1.S3Upload]("s3.uploads")
	// parts holds their parts: bucket / upload id / part number → S3Part.
	parts = storage.NewTable[*recordsv1.S3Part]("s3.parts")
)

func bucketKey(name string) []byte { return storage.NewKey().String(name).Key() }

func objectKey(bucket, key string) []byte { return storage.NewKey().String(bucket).String(key).Key() }

// objectPrefix selects the objects of bucket whose key starts with prefix.
func objectPrefix(bucket, prefix string) []byte {
	return storage.NewKey().String(bucket).StringPrefix(prefix).Key()
}

// afterPrefix is a scan position after every key of bucket that starts with
// prefix: the encoded prefix followed by bytes no encoded key continues
// with (UTF-8 never contains 0xFF; the key encoding's escapes start with
// 0x00).
func afterPrefix(bucket, prefix string) []byte {
	return append(objectPrefix(bucket, prefix), 0xFF, 0xFF, 0xFF, 0xFF)
}

func chunkKey(dataID string, i uint32) []byte {
	return storage.NewKey().String(dataID).Uint32(i).Key()
}

func uploadKey(bucket, key, uploadID string) []byte {
	return storage.NewKey().String(bucket).String(key).String(uploadID).Key()
}

func partKey(bucket, uploadID string, n int32) []byte {
	return storage.NewKey().String(bucket).String(uploadID).Uint32(uint32(n)).Key()
}

func partPrefix(bucket, uploadID string) []byte {
	return storage.NewKey().String(bucket).String(uploadID).Key()
}

// ownerScope is where an account's bucket list lives.
func ownerScope(account string) storage.Scope {
	return storage.Scope{Account: account, Region: storage.GlobalRegion}
}

// dataScope is where a bucket's objects, uploads and data live.
func dataScope(b *recordsv1.S3Bucket) storage.Scope {
	return storage.Scope{Account: b.GetOwner(), Region: b.GetRegion()}
}

// loadBucket reads a bucket from the global index.
func loadBucket(tx *storage.Tx, name string) (*recordsv1.S3Bucket, bool, error) {
	return buckets.Get(tx, IndexScope, bucketKey(name))
}

// mustBucket reads a bucket or answers NoSuchBucket.
func mustBucket(tx *storage.Tx, name string) (*recordsv1.S3Bucket, error) {
	b, ok, err := loadBucket(tx, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoSuchBucket(name)
	}
	return b, nil
}
