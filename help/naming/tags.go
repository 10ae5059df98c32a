package naming

// CommonTags are applied to every taggable resource through the provider's default_tags.
func CommonTags(stack string, extra map[string]string) map[string]string {
	tags := map[string]string{
		"Project":   "ScalePayments",
		"ManagedBy": "cdktf",
		"Stack":     stack,
	}
	for k, v := range extra {
		tags[k] = v
	}
	return tags
}

// NameTag is the explicit per-resource tag set: default_tags cannot know a resource's name.
func NameTag(name string) *map[string]*string {
	return &map[string]*string{"Name": &name}
}
