package netplan

// Ports of the traffic chain (design §1). One place, so constructs never type a port.
const (
	HTTPSPort     = 443
	ContainerPort = 8080
	PostgresPort  = 5432
	RedisPort     = 6379
)
