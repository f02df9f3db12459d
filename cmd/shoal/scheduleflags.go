package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"shoal/config"
	"shoal/history"
	"shoal/plan"
	"shoal/schedule"
)

// scheduleFlags are the flags that shape a plan, shared by run and plan.
type scheduleFlags struct {
	history   string
	noHistory bool
	order     string
	seed      int64
	shard     string
	// shardHistory is an exported history every shard reads.
	shardHistory string
}

func addScheduleFlags(fl *pflag.FlagSet, f *scheduleFlags) {
	fl.StringVar(&f.history, "history", "", "history file of measured durations (default: .shoal/history.db under the rootdir)")
	fl.BoolVar(&f.noHistory, "no-history", false, "neither read nor write the history: tests go out in collection order by file")
	fl.StringVar(&f.order, "order", "duration", "order tests start in: duration (longest first), failed-first, random")
	fl.Int64Var(&f.seed, "seed", 0, "seed for --order random; the same seed gives the same order")
	fl.StringVar(&f.shard, "shard", "", "run part K of N of the suite (K/N, from 1); default: the CI's parallel job variables where set")
	fl.StringVar(&f.shardHistory, "shard-history", "", "balance the shards by the durations in this exported history (shoal history export), which every shard must read; without it shards are split by test counts")
}

// settings turns the flags and pyproject.toml into a plan's settings; from
// says where the shard came from, for the header.
func (f scheduleFlags) settings(workers int, cfg *config.Config) (set plan.Settings, from string, err error) {
	set, from, err = f.shardSettings(workers, cfg)
	if err != nil || f.shardHistory == "" {
		return set, from, err
	}
	if set.Shard.Total <= 1 {
		return set, from, usageError("--shard-history without a shard", "give --shard K/N too, or the CI's parallel job variables")
	}
	data, err := os.ReadFile(f.shardHistory)
	if err != nil {
		return set, from, usageError("cannot read --shard-history: "+err.Error(), "export it on one machine with 'shoal history export -o FILE' and give every shard the same file")
	}
	if set.ShardDurations, err = history.Durations(data); err != nil {
		return set, from, usageError(fmt.Sprintf("--shard-history %s: %v", f.shardHistory, err), "give a file 'shoal history export' wrote")
	}
	sum := sha256.Sum256(data)
	set.ShardDigest = hex.EncodeToString(sum[:])[:12]
	return set, from, nil
}

func (f scheduleFlags) shardSettings(workers int, cfg *config.Config) (plan.Settings, string, error) {
	set := plan.Settings{Workers: workers, Limits: cfg.Locks, Seed: f.seed}
	switch f.order {
	case "duration", "":
		set.Order = schedule.Duration
	case "failed-first":
		set.Order = schedule.FailedFirst
	case "random":
		set.Order = schedule.Random
	default:
		return set, "", usageError(fmt.Sprintf("invalid --order %q", f.order), "use duration, failed-first or random")
	}
	if f.shard != "" {
		sh, err := plan.ParseShard(f.shard)
		if err != nil {
			return set, "", usageError(err.Error(), "the first of 4 machines runs --shard 1/4")
		}
		set.Shard = sh
		return set, "--shard", nil
	}
	sh, from, err := plan.ShardFromEnv(os.Getenv)
	if err != nil {
		return set, "", usageError(err.Error(), "fix the CI variables or pass --shard K/N")
	}
	set.Shard = sh
	return set, from, nil
}

// markersEnv tells the plugin the suite's names for shoal's markers.
func markersEnv(cfg *config.Config) []string {
	if len(cfg.Markers) == 0 {
		return nil
	}
	data, _ := json.Marshal(cfg.Markers)
	return []string{"SHOAL_MARKERS=" + string(data)}
}

// shardInfo is the header line naming the shard a run is.
func shardInfo(set plan.Settings, from string) string {
	if set.Shard.Total <= 1 {
		return ""
	}
	line := fmt.Sprintf("shoal: shard %d of %d", set.Shard.Index, set.Shard.Total)
	if from != "" && !strings.HasPrefix(from, "--") {
		line += " (from " + from + ")"
	}
	if set.ShardDigest != "" {
		return line + ", balanced by the history file with digest " + set.ShardDigest
	}
	return line + ", split by test counts"
}
