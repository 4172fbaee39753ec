package filekv

import (
	"strings"

	"github.com/peterbourgon/diskv/v3"
)

// pushTopicPrefix is left out of push_cert keys when picking their
// directories, so those spread by the UUID part of the topic.
const pushTopicPrefix = "com.apple.mgmt.External."

// shardName returns the first four bytes of key that name its two
// directory levels. Keys shorter than four bytes are left-padded with
// '0'. With stripPrefix, a leading pushTopicPrefix is skipped first.
func shardName(key string, stripPrefix bool) string {
	if stripPrefix {
		key = strings.TrimPrefix(key, pushTopicPrefix)
	}
	if len(key) < 4 {
		return strings.Repeat("0", 4-len(key)) + key
	}
	return key[:4]
}

// transform returns diskv's path for key: "<k[0:2]>/<k[2:4]>/<key>",
// relative to the bucket directory.
func transform(stripPrefix bool) diskv.AdvancedTransformFunction {
	return func(key string) *diskv.PathKey {
		name := shardName(key, stripPrefix)
		return &diskv.PathKey{Path: []string{name[0:2], name[2:4]}, FileName: key}
	}
}

// inverseTransform returns the key of a file, which is its name.
func inverseTransform(pathKey *diskv.PathKey) string {
	return pathKey.FileName
}
