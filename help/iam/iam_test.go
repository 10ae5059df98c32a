package iam

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPolicy(t *testing.T) {
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}`,
		Policy(Allow("Read", []string{"s3:GetObject"}, []string{"arn:aws:s3:::b/*"})))
	trust := ServiceAllow("", "ecs-tasks.amazonaws.com", []string{"sts:AssumeRole"}, nil)
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":["sts:AssumeRole"]}]}`,
		Policy(trust))
}

func TestAccount(t *testing.T) {
	a := Account{ID: "111122223333", Partition: "aws", Region: "eu-west-1"}
	assert.Equal(t, "arn:aws:logs:eu-west-1:111122223333:log-group:*", a.ARN("logs", "log-group:*"))
	assert.Equal(t, "arn:aws:iam::111122223333:root", a.Root())
	assert.Equal(t, "logs.eu-west-1.amazonaws.com", a.ServiceHost("logs"))
}

func TestWebIdentityAndDeny(t *testing.T) {
	a := Account{ID: "111122223333", Partition: "aws", Region: "eu-west-1"}
	assert.Equal(t, "arn:aws:iam::111122223333:oidc-provider/app.terraform.io", a.OIDCProvider("app.terraform.io"))
	assert.Equal(t, "arn:aws:iam::111122223333:role/delivery/r", a.RoleARN("/delivery/", "r"))
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"Federated":"arn:p"},"Action":["sts:AssumeRoleWithWebIdentity"],
		 "Condition":{"StringEquals":{"h:aud":"aud"},"StringLike":{"h:sub":"sub:*"}}},
		{"Sid":"No","Effect":"Deny","Action":["s3:GetObject"],"Resource":["*"]}]}`,
		Policy(WebIdentity("arn:p", "h", "aud", "sub:*"), Deny("No", []string{"s3:GetObject"}, []string{"*"})))
}
