// Command lambda is the run task as an AWS Lambda function (provided.al2023, a binary named
// bootstrap: go run ./stacks/runtask/bundle builds it). It wires the AWS SDK into
// runtask.NewLambda; the logic and its tests are in stacks/runtask.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	lambdaapi "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/scalepayments/infra/stacks/runtask"
)

func main() {
	fn, err := function(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "scalepayments: %v\n", err)
		os.Exit(1)
	}
	lambda.Start(fn.Handle)
}

func function(ctx context.Context) (*runtask.Lambda, error) {
	name, secretARN, err := runtask.LambdaSettings(os.Getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	secrets, functions := secretsmanager.NewFromConfig(cfg), lambdaapi.NewFromConfig(cfg)
	key := runtask.NewSecretKey(func(ctx context.Context) (string, error) {
		out, err := secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretARN)})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.SecretString), nil
	})
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	return runtask.NewLambda(runtask.LambdaConfig{
		Key: key.Key,
		Invoke: func(ctx context.Context, payload []byte) error {
			_, err := functions.Invoke(ctx, &lambdaapi.InvokeInput{FunctionName: aws.String(name), InvocationType: types.InvocationTypeEvent, Payload: payload})
			return err
		},
		Runner: runtask.RunnerConfig{Getenv: os.Getenv, Logger: log},
		Logger: log,
	})
}
