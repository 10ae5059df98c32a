package policy

import ()

func flowLogs(c *Context) (out []Finding) {
	for _, v := range c.Of("aws_vpc") {
		covered := false
		for _, fl := range c.List("aws_flow_log") {
			if ref, ok := c.Ref(fl["vpc_id"]); ok && ref.Name == v.Name && fl["traffic_type"] == "ALL" {
				covered = true
			}
		}
		if !covered {
			out = append(out, find(v, "no flow log with traffic_type = ALL"))
		}
	}
	return out
}

func retentionFloor(c *Context) (out []Finding) {
	floor := c.Stage.Floors().MinLogRetentionDays
	for _, r := range c.Of("aws_cloudwatch_log_group") {
		if days, _ := r.Body["retention_in_days"].(float64); days != 0 && days < float64(floor) {
			out = append(out, find(r, "retention_in_days = %v, stage %s needs %d", days, c.Stage, floor))
		}
	}
	return out
}
