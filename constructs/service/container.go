package service

// Container definition shapes (ECS API JSON), built in Go and marshalled once.
type container struct {
	Name                   string         `json:"name"`
	Image                  string         `json:"image"`
	Essential              bool           `json:"essential"`
	ReadonlyRootFilesystem bool           `json:"readonlyRootFilesystem"`
	Privileged             bool           `json:"privileged"`
	User                   string         `json:"user"`
	PortMappings           []portMapping  `json:"portMappings"`
	Environment            []nameValue    `json:"environment"`
	Secrets                []secretRef    `json:"secrets"`
	MountPoints            []mountPoint   `json:"mountPoints"`
	LinuxParameters        linuxParams    `json:"linuxParameters"`
	LogConfiguration       logConfig      `json:"logConfiguration"`
	HealthCheck            containerCheck `json:"healthCheck"`
}

type portMapping struct {
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
}

type nameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type secretRef struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

type mountPoint struct {
	SourceVolume  string `json:"sourceVolume"`
	ContainerPath string `json:"containerPath"`
	ReadOnly      bool   `json:"readOnly"`
}

type linuxParams struct {
	Capabilities       capabilities `json:"capabilities"`
	InitProcessEnabled bool         `json:"initProcessEnabled"`
}

type capabilities struct {
	Drop []string `json:"drop"`
}

type logConfig struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

type containerCheck struct {
	Command     []string `json:"command"`
	Interval    int      `json:"interval"`
	Timeout     int      `json:"timeout"`
	Retries     int      `json:"retries"`
	StartPeriod int      `json:"startPeriod"`
}
