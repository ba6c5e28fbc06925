// A Telegraf with only the inputs LCS metrics replaces and the InfluxDB output, for
// bench/metrics: the peer's cost is then its sampling, not the hundreds of plugins of a full
// build. Built by bench/metrics/peers.ts into ~/.cache/lcs/telegraf-<version>/.
package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/influxdata/telegraf/agent"
	"github.com/influxdata/telegraf/config"

	_ "github.com/influxdata/telegraf/plugins/inputs/cpu"
	_ "github.com/influxdata/telegraf/plugins/inputs/disk"
	_ "github.com/influxdata/telegraf/plugins/inputs/diskio"
	_ "github.com/influxdata/telegraf/plugins/inputs/kernel"
	_ "github.com/influxdata/telegraf/plugins/inputs/mem"
	_ "github.com/influxdata/telegraf/plugins/inputs/net"
	_ "github.com/influxdata/telegraf/plugins/inputs/netstat"
	_ "github.com/influxdata/telegraf/plugins/inputs/processes"
	_ "github.com/influxdata/telegraf/plugins/inputs/swap"
	_ "github.com/influxdata/telegraf/plugins/inputs/system"
	_ "github.com/influxdata/telegraf/plugins/outputs/influxdb"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: telegraf-lcs-bench <telegraf.conf>")
	}
	c := config.NewConfig()
	if err := c.LoadConfig(os.Args[1]); err != nil {
		log.Fatal(err)
	}
	a := agent.NewAgent(c)
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if err := a.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
