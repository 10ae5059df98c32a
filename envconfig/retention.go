package envconfig

import "slices"

// CloudWatchRetentionDays are the only values CloudWatch Logs accepts for retention_in_days.
var CloudWatchRetentionDays = []int{0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// ValidLogRetention reports whether CloudWatch Logs accepts days.
func ValidLogRetention(days int) bool { return slices.Contains(CloudWatchRetentionDays, days) }
