package envconfig

import "fmt"

// fargateMemory lists, per CPU unit value, the memory range (MiB) and step AWS accepts.
var fargateMemory = map[int]struct{ min, max, step int }{
	256:   {512, 2048, 0}, // 512, 1024, 2048 only
	512:   {1024, 4096, 1024},
	1024:  {2048, 8192, 1024},
	2048:  {4096, 16384, 1024},
	4096:  {8192, 30720, 1024},
	8192:  {16384, 61440, 4096},
	16384: {32768, 122880, 8192},
}

// ValidateFargateSize returns nil when AWS accepts the cpu/memory pair for a Fargate task.
func ValidateFargateSize(cpu, memory int) error {
	r, ok := fargateMemory[cpu]
	if !ok {
		return fmt.Errorf("cpu %d is not a Fargate size (allowed: 256, 512, 1024, 2048, 4096, 8192, 16384)", cpu)
	}
	if r.step == 0 {
		if memory == 512 || memory == 1024 || memory == 2048 {
			return nil
		}
		return fmt.Errorf("memory %d MiB does not fit cpu %d (allowed: 512, 1024, 2048)", memory, cpu)
	}
	if memory < r.min || memory > r.max || (memory-r.min)%r.step != 0 {
		return fmt.Errorf("memory %d MiB does not fit cpu %d (allowed: %d to %d in steps of %d)", memory, cpu, r.min, r.max, r.step)
	}
	return nil
}
