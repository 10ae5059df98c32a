package integration

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scalepayments/infra/tests"
)

// logicalIDHash is the suffix cdktf appends to logical ids; it differs per construct path.
var logicalIDHash = regexp.MustCompile(`_[0-9A-F]{8}\b`)

var paymentWord = regexp.MustCompile(`(^|[^a-z])payment([^a-z]|$)`)

// permissions returns a service's IAM grants (task and execution roles) as "action on
// resource" strings, and the same grants with the service's own name replaced by <svc>, so
// two services' needs can be compared.
func permissions(t *testing.T, d *tests.Doc, svc string) (raw, normalized []string) {
	for _, kind := range []string{"task", "execution"} {
		for action, resources := range d.Grants(d.NamedAs("aws_iam_role", "scalepayments-"+d.Env.Name+"-"+svc+"-"+kind, "")) {
			for _, r := range resources {
				raw = append(raw, kind+": "+action+" on "+r)
			}
		}
	}
	own := regexp.MustCompile(`(^|[^a-z])` + svc + `([^a-z]|$)`)
	for _, p := range raw {
		p = logicalIDHash.ReplaceAllString(p, "")
		normalized = append(normalized, own.ReplaceAllString(p, "$1<svc>$2"))
	}
	sort.Strings(raw)
	sort.Strings(normalized)
	return raw, normalized
}

// Scenario 2: the notification service cannot reach anything the payment service does not
// also need: its grants are a strict subset of payment's, and none names a payment resource.
func TestNotificationBlastRadiusIsAStrictSubsetOfPayment(t *testing.T) {
	for _, d := range all() {
		t.Run(d.Env.Name, func(t *testing.T) {
			notifRaw, notif := permissions(t, d, "notification")
			_, pay := permissions(t, d, "payment")
			payment := map[string]bool{}
			for _, p := range pay {
				payment[p] = true
			}
			var extra []string
			for _, p := range notif {
				if !payment[p] && !strings.Contains(p, "secret") {
					extra = append(extra, p)
				}
			}
			assert.Empty(t, extra, "notification holds grants payment does not need")
			assert.Less(t, len(notif), len(pay), "strictly fewer grants")
			for _, p := range notifRaw {
				assert.NotRegexp(t, paymentWord, p, "notification never names a payment resource")
				assert.NotContains(t, p, "rds-db:connect", "notification has no database access")
			}
			// Secrets differ by design: each service reads only its own.
			var secretGrants []string
			for _, p := range notifRaw {
				if strings.HasPrefix(p, "execution: secretsmanager:GetSecretValue") {
					secretGrants = append(secretGrants, p)
				}
			}
			assert.Equal(t, []string{"execution: secretsmanager:GetSecretValue on ${aws_secretsmanager_secret.service-notification_secret-email-api-key_23CA5260.arn}"}, secretGrants)
			// Its Redis grant names its own environment's replication group.
			assert.Contains(t, notifRaw, "task: elasticache:Connect on arn:${data.aws_partition.partition.partition}:elasticache:us-east-1:"+
				"${data.aws_caller_identity.caller.account_id}:replicationgroup:scalepayments-"+d.Env.Name+"-redis")
			// On the network each has its own group: notification cannot open a connection to
			// Aurora at all, and reaches the internet only for its own declared domain.
			n := netOf(d)
			svcs := map[string]tests.Body{}
			for _, s := range d.List("aws_ecs_service") {
				svcs[s["name"].(string)] = s
			}
			notifSG, paySG := n.GroupOf(svcs["notification"]), n.GroupOf(svcs["payment"])
			assert.NotEqual(t, paySG, notifSG)
			aurora := n.GroupOf(d.One("aws_rds_cluster"))
			assert.False(t, n.Allows(notifSG, aurora, 5432), "notification cannot reach Aurora on the network")
			assert.True(t, n.Allows(paySG, aurora, 5432))
		})
	}
}
