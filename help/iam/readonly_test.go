package iam

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReadOnly(t *testing.T) {
	for action, want := range map[string]bool{
		"ec2:Describe*":               true,
		"iam:GetRole":                 true,
		"s3:ListBucket":               true,
		"apigateway:GET":              true,
		"sts:GetCallerIdentity":       true,
		"apigateway:PATCH":            false,
		"ec2:CreateVpc":               false,
		"kms:Decrypt":                 false,
		"iam:PassRole":                false,
		"secretsmanager:Put*":         false,
		"*":                           false,
		"Describe*":                   false,
		"ec2:*":                       false,
		"logs:DescribeLogGroups":      true,
		"dynamodb:BatchGetItem":       false,
		"backup-storage:MountCapsule": false,
	} {
		assert.Equal(t, want, ReadOnly(action), action)
	}
}

func TestMatches(t *testing.T) {
	assert.True(t, Matches("s3:Get*", "s3:GetObject"))
	assert.True(t, Matches("S3:getobject", "s3:GetObject"))
	assert.False(t, Matches("s3:GetBucket*", "s3:GetObject"))
}
