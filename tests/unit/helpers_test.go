package unit

import "github.com/scalepayments/infra/tests"

func sgRef(d *tests.Doc, group string) string {
	return tests.Ref(d.Named("aws_security_group", group), "id")
}
