// Package edge creates the traffic entry: an internal ALB with an HTTPS listener, and the
// API Gateway HTTP API that reaches it through a VPC link, the platform's only public
// endpoint (design §1, PCI-DSS 1.3, 4.2, 10.2).
package edge

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/acmcertificate"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/acmcertificatevalidation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/apigatewayv2api"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/apigatewayv2apimapping"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/apigatewayv2domainname"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/apigatewayv2integration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/apigatewayv2route"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/apigatewayv2stage"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/apigatewayv2vpclink"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawselbserviceaccount"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsroute53zone"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lb"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lblistener"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53record"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/bucket"
	"github.com/scalepayments/infra/constructs/logs"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/help/netplan"
)

// TLSPolicy allows TLS 1.2 and 1.3 only, with forward-secret ciphers (PCI-DSS 4.2.1).
const TLSPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// Props configures the edge.
type Props struct {
	Namer            naming.Namer
	Account          iam.Account
	HostedZone       string
	Domain           string
	Services         []string // each gets ANY /<service>/{proxy+}
	CORSOrigins      []string
	RateLimit        int
	BurstLimit       int
	DeletionProtect  bool
	SubnetIDs        *[]*string // private subnets
	ALBSecurityGroup *string
	VPCLinkGroup     *string
	LogsKeyARN       *string
	LogRetentionDays int
}

// Edge exposes what services, security controls and outputs attach to.
type Edge struct {
	ALB            lb.Lb
	Listener       lblistener.LbListener
	AccessLogs     *bucket.Bucket
	API            apigatewayv2api.Apigatewayv2Api
	Stage          apigatewayv2stage.Apigatewayv2Stage
	AccessLogGroup *logs.Group
	URL            string // https://<custom domain>
}

const logsBucket = "alb-logs"

// LogsBucketName is the access-log bucket of the environment in an account.
func LogsBucketName(n naming.Namer, account string) string { return n.Bucket(account, logsBucket) }

// LogsBucketPattern matches the name of the access-log bucket in any account.
func LogsBucketPattern(n naming.Namer) string { return LogsBucketName(n, "*") }

// New creates the ALB, listener, certificate and HTTP API.
func New(scope constructs.Construct, id string, props *Props) *Edge {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	e := &Edge{URL: "https://" + props.Domain}
	zone := dataawsroute53zone.NewDataAwsRoute53Zone(scope, jsii.String("zone"), &dataawsroute53zone.DataAwsRoute53ZoneConfig{
		Name: jsii.String(props.HostedZone), PrivateZone: jsii.Bool(false),
	})
	cert := Certificate(scope, props.Domain, zone.ZoneId())
	e.alb(scope, props, cert)
	e.api(scope, props, cert, zone.ZoneId())
	return e
}

// Certificate issues one ACM certificate for domain, DNS-validated in the zone, and returns its
// ARN once validated. Here the ALB serves it (the VPC link verifies that name) and the API
// custom domain serves it too.
func Certificate(scope constructs.Construct, domain string, zoneID *string) *string {
	cert := acmcertificate.NewAcmCertificate(scope, jsii.String("certificate"), &acmcertificate.AcmCertificateConfig{
		DomainName:       jsii.String(domain),
		ValidationMethod: jsii.String("DNS"),
		// RSA: the one key type every consumer (ALB, API Gateway custom domains) documents.
		KeyAlgorithm: jsii.String("RSA_2048"),
		Lifecycle:    &cdktf.TerraformResourceLifecycle{CreateBeforeDestroy: jsii.Bool(true)},
		Tags:         naming.NameTag(domain),
	})
	opt := cert.DomainValidationOptions().Get(jsii.Number(0))
	record := route53record.NewRoute53Record(scope, jsii.String("certificate-validation-record"), &route53record.Route53RecordConfig{
		ZoneId:         zoneID,
		Name:           opt.ResourceRecordName(),
		Type:           opt.ResourceRecordType(),
		Records:        &[]*string{opt.ResourceRecordValue()},
		Ttl:            jsii.Number(300),
		AllowOverwrite: jsii.Bool(true),
	})
	return acmcertificatevalidation.NewAcmCertificateValidation(scope, jsii.String("certificate-validation"), &acmcertificatevalidation.AcmCertificateValidationConfig{
		CertificateArn:        cert.Arn(),
		ValidationRecordFqdns: &[]*string{record.Fqdn()},
	}).CertificateArn()
}

func (e *Edge) alb(scope constructs.Construct, props *Props, cert *string) {
	n := props.Namer
	elb := dataawselbserviceaccount.NewDataAwsElbServiceAccount(scope, jsii.String("elb-account"), nil)
	logsName := LogsBucketName(n, props.Account.ID)
	e.AccessLogs = bucket.New(scope, naming.ALBLogsID, &bucket.Props{
		// Globally unique: the account id makes the name ours. ALB log delivery supports SSE-S3 only.
		Name:       logsName,
		ExpireDays: 365,
		AccessLogs: bucket.NewAccessLogs(scope, n, props.Account, logsName),
		// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
		// (step 2): the regional ELB account as principal. It exists only in regions available
		// before August 2022; a newer region fails at plan (aws_elb_service_account) and would
		// need the logdelivery.elasticloadbalancing.amazonaws.com service principal instead.
		Statements: func(arn string) []iam.Statement {
			s := iam.Allow("ElbWritesAccessLogs", []string{"s3:PutObject"}, []string{arn + "/alb/AWSLogs/" + props.Account.ID + "/*"})
			s.Principal = map[string]any{"AWS": *elb.Arn()}
			return []iam.Statement{s}
		},
	})
	name := n.Short(naming.MaxALBName, "alb")
	e.ALB = lb.NewLb(scope, jsii.String("alb"), &lb.LbConfig{
		Name:                     jsii.String(name),
		Internal:                 jsii.Bool(true),
		LoadBalancerType:         jsii.String("application"),
		Subnets:                  props.SubnetIDs,
		SecurityGroups:           &[]*string{props.ALBSecurityGroup},
		DropInvalidHeaderFields:  jsii.Bool(true),
		DesyncMitigationMode:     jsii.String("strictest"),
		EnableDeletionProtection: jsii.Bool(props.DeletionProtect),
		AccessLogs: &lb.LbAccessLogs{
			Bucket: e.AccessLogs.Id(), Prefix: jsii.String("alb"), Enabled: jsii.Bool(true),
		},
		DependsOn: &[]cdktf.ITerraformDependable{e.AccessLogs.Policy},
		Tags:      naming.NameTag(name),
	})
	e.Listener = lblistener.NewLbListener(scope, jsii.String("https"), &lblistener.LbListenerConfig{
		LoadBalancerArn: e.ALB.Arn(),
		Port:            jsii.Number(netplan.HTTPSPort),
		Protocol:        jsii.String("HTTPS"),
		SslPolicy:       jsii.String(TLSPolicy),
		CertificateArn:  cert,
		DefaultAction: []*lblistener.LbListenerDefaultAction{{
			Type: jsii.String("fixed-response"),
			FixedResponse: &lblistener.LbListenerDefaultActionFixedResponse{
				ContentType: jsii.String("application/json"), StatusCode: jsii.String("404"),
				MessageBody: jsii.String(`{"message":"Not Found"}`),
			},
		}},
		Tags: naming.NameTag(n.Name(naming.MaxName, "https")),
	})
}

func (e *Edge) api(scope constructs.Construct, props *Props, cert *string, zoneID *string) {
	n := props.Namer
	name := n.Name(naming.MaxAPIGatewayName, "api")
	e.API = apigatewayv2api.NewApigatewayv2Api(scope, jsii.String("api"), &apigatewayv2api.Apigatewayv2ApiConfig{
		Name:         jsii.String(name),
		ProtocolType: jsii.String("HTTP"),
		// Clients use the custom domain only: one TLS policy, one place to rotate certificates.
		DisableExecuteApiEndpoint: jsii.Bool(true),
		CorsConfiguration: &apigatewayv2api.Apigatewayv2ApiCorsConfiguration{
			AllowOrigins: jsii.Strings(props.CORSOrigins...),
			AllowMethods: jsii.Strings("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
			AllowHeaders: jsii.Strings("authorization", "content-type", "idempotency-key", "x-request-id"),
			MaxAge:       jsii.Number(3600),
		},
		Tags: naming.NameTag(name),
	})
	apiID := e.API.Id()

	link := apigatewayv2vpclink.NewApigatewayv2VpcLink(scope, jsii.String("vpc-link"), &apigatewayv2vpclink.Apigatewayv2VpcLinkConfig{
		Name:             jsii.String(n.Name(naming.MaxVPCLinkName, "vpc-link")),
		SubnetIds:        props.SubnetIDs,
		SecurityGroupIds: &[]*string{props.VPCLinkGroup},
		Tags:             naming.NameTag(n.Name(naming.MaxVPCLinkName, "vpc-link")),
	})
	integration := apigatewayv2integration.NewApigatewayv2Integration(scope, jsii.String("alb-integration"), &apigatewayv2integration.Apigatewayv2IntegrationConfig{
		ApiId:                apiID,
		IntegrationType:      jsii.String("HTTP_PROXY"),
		IntegrationMethod:    jsii.String("ANY"),
		IntegrationUri:       e.Listener.Arn(),
		ConnectionType:       jsii.String("VPC_LINK"),
		ConnectionId:         link.Id(),
		PayloadFormatVersion: jsii.String("1.0"),
		TimeoutMilliseconds:  jsii.Number(29000),
		// HTTPS to the ALB, verifying its certificate's name.
		TlsConfig: &apigatewayv2integration.Apigatewayv2IntegrationTlsConfig{ServerNameToVerify: jsii.String(props.Domain)},
	})
	for _, svc := range props.Services {
		apigatewayv2route.NewApigatewayv2Route(scope, jsii.String("route-"+svc), &apigatewayv2route.Apigatewayv2RouteConfig{
			ApiId:    apiID,
			RouteKey: jsii.String(fmt.Sprintf("ANY /%s/{proxy+}", svc)),
			Target:   jsii.String("integrations/" + *integration.Id()),
		})
	}
	e.Stage, e.AccessLogGroup = Front(scope, &FrontProps{
		Namer: n, APIID: apiID, Name: "api", Domain: props.Domain, ZoneID: zoneID, CertificateARN: cert,
		RateLimit: props.RateLimit, BurstLimit: props.BurstLimit, LogGroupName: n.Path("apigateway", "access"), LogsKeyARN: props.LogsKeyARN, LogRetentionDays: props.LogRetentionDays,
	})
}

// FrontProps configures the public face of an HTTP API.
type FrontProps struct {
	Namer          naming.Namer
	APIID          *string
	Name           string // the API's name part: the stage is tagged <name>-default
	Domain         string
	ZoneID         *string
	CertificateARN *string
	// RateLimit and BurstLimit throttle every route (requests per second, burst).
	RateLimit, BurstLimit int
	LogGroupName          string
	LogsKeyARN            *string
	LogRetentionDays      int
}

// Front serves an HTTP API (whose execute-api endpoint is off) only on its custom domain, TLS
// 1.2 or later, from its $default stage, throttled and logging every request as JSON to a KMS
// log group (PCI-DSS 10.2); an alias record in the zone points the domain at it.
func Front(scope constructs.Construct, props *FrontProps) (apigatewayv2stage.Apigatewayv2Stage, *logs.Group) {
	n := props.Namer
	group := logs.New(scope, "access-logs-group", &logs.Props{
		Name: props.LogGroupName, RetentionDays: props.LogRetentionDays, KMSKeyARN: props.LogsKeyARN,
	})
	stage := apigatewayv2stage.NewApigatewayv2Stage(scope, jsii.String("stage"), &apigatewayv2stage.Apigatewayv2StageConfig{
		ApiId:      props.APIID,
		Name:       jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		AccessLogSettings: &apigatewayv2stage.Apigatewayv2StageAccessLogSettings{
			DestinationArn: group.Arn(),
			Format:         jsii.String(AccessLogFormat),
		},
		DefaultRouteSettings: &apigatewayv2stage.Apigatewayv2StageDefaultRouteSettings{
			ThrottlingRateLimit:    jsii.Number(float64(props.RateLimit)),
			ThrottlingBurstLimit:   jsii.Number(float64(props.BurstLimit)),
			DetailedMetricsEnabled: jsii.Bool(true),
		},
		Tags: naming.NameTag(n.Name(naming.MaxAPIGatewayName, props.Name, "default")),
	})
	domain := apigatewayv2domainname.NewApigatewayv2DomainName(scope, jsii.String("domain"), &apigatewayv2domainname.Apigatewayv2DomainNameConfig{
		DomainName: jsii.String(props.Domain),
		DomainNameConfiguration: &apigatewayv2domainname.Apigatewayv2DomainNameDomainNameConfiguration{
			CertificateArn: props.CertificateARN, EndpointType: jsii.String("REGIONAL"), SecurityPolicy: jsii.String("TLS_1_2"),
		},
		Tags: naming.NameTag(props.Domain),
	})
	apigatewayv2apimapping.NewApigatewayv2ApiMapping(scope, jsii.String("mapping"), &apigatewayv2apimapping.Apigatewayv2ApiMappingConfig{
		ApiId: props.APIID, DomainName: domain.Id(), Stage: stage.Id(),
	})
	cfg := domain.DomainNameConfiguration()
	route53record.NewRoute53Record(scope, jsii.String("alias"), &route53record.Route53RecordConfig{
		ZoneId: props.ZoneID,
		Name:   jsii.String(props.Domain),
		Type:   jsii.String("A"),
		Alias: &route53record.Route53RecordAlias{
			Name: cfg.TargetDomainName(), ZoneId: cfg.HostedZoneId(), EvaluateTargetHealth: jsii.Bool(false),
		},
	})
	return stage, group
}

// AccessLogFormat is one JSON object per request: who, what, result, latency (PCI-DSS 10.2).
var AccessLogFormat = help.MustJSON(map[string]string{
	"requestId":          "$context.requestId",
	"ip":                 "$context.identity.sourceIp",
	"requestTime":        "$context.requestTime",
	"httpMethod":         "$context.httpMethod",
	"routeKey":           "$context.routeKey",
	"path":               "$context.path",
	"status":             "$context.status",
	"protocol":           "$context.protocol",
	"responseLength":     "$context.responseLength",
	"integrationStatus":  "$context.integrationStatus",
	"integrationLatency": "$context.integrationLatency",
	"responseLatency":    "$context.responseLatency",
	"userAgent":          "$context.identity.userAgent",
	"errorMessage":       "$context.error.message",
})
