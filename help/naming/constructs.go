package naming

// Construct ids that the exception list (stacks/judge) names in its construct paths, defined
// once here for the constructs that use them and the exceptions that point at them.
const (
	EdgeID       = "edge"           // the environment's edge construct
	FirewallID   = "firewall"       // the environment's security groups and flows
	BaselineID   = "baseline"       // the account's baseline
	ALBLogsID    = "access-logs"    // the edge's ALB access-log bucket
	AccessLogsID = "s3-access-logs" // a stack's S3 server access-log bucket
	TrailID      = "trail"          // the baseline's multi-region trail
	Internet     = "internet"       // not a security group: the target of egress to 0.0.0.0/0
	RunTaskID    = "run-task"       // the production account's policy pack run task
	HMACKeyID    = "hmac-key"       // the run task's HMAC key secret
)

// ServiceID is the construct id of the service named name.
func ServiceID(name string) string { return "service-" + name }

// SecretID is the construct id of a service's secret named name.
func SecretID(name string) string { return "secret-" + name }

// TasksGroup is the security group of a service's tasks.
func TasksGroup(service string) string { return service + "-tasks" }

// Outputs of an account stack that Terraform Cloud's workspace settings read: the plan and the
// apply role of each workspace deploying to the account, by workspace name.
const (
	PlanRolesOutput  = "terraform_plan_role_arns"
	ApplyRolesOutput = "terraform_apply_role_arns"
)
