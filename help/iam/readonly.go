package iam

import "strings"

// ReadOnly reports whether an action (or an action pattern such as ec2:Describe*) only reads
// configuration: its verb starts with Describe, Get or List, or it is API Gateway's GET.
func ReadOnly(action string) bool {
	service, verb, ok := strings.Cut(action, ":")
	if !ok || service == "" {
		return false
	}
	if service == "apigateway" {
		return verb == "GET"
	}
	return strings.HasPrefix(verb, "Describe") || strings.HasPrefix(verb, "Get") || strings.HasPrefix(verb, "List")
}

// DataReads are the read actions that return data rather than configuration: secret values,
// objects, image layers, log events, findings, sampled requests, instance passwords and consoles,
// unmasked logs and decryption. A refresh of the
// project's resource types calls none of them (each type's read is Describe/Get/List of its
// configuration); a plan role denies them outright, so no read verb it is granted reaches them.
var DataReads = []string{
	"secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue",
	"s3:GetObject", "s3:GetObjectVersion",
	"ecr:GetAuthorizationToken", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
	"logs:GetLogEvents", "logs:FilterLogEvents", "logs:GetLogRecord", "logs:GetQueryResults", "logs:StartQuery", "logs:Unmask",
	"kms:Decrypt", "kms:GenerateDataKey",
	"guardduty:GetFindings", "securityhub:GetFindings", "wafv2:GetSampledRequests",
	"ec2:GetPasswordData", "ec2:GetConsoleOutput", "ec2:GetConsoleScreenshot",
}

// Matches reports whether an action pattern (IAM wildcards, any case) matches action.
func Matches(pattern, action string) bool {
	return glob(strings.ToLower(pattern), strings.ToLower(action))
}
