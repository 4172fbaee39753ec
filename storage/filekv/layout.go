package filekv

import "strings"

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
