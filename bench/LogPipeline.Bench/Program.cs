using LogPipeline.Bench;
using LogPipeline.Bench.Peers;

if (args.Length > 0 && args[0] == "limit")
{
    return LimitProducer.Run(args[1..]);
}

return BenchCommand.Run(BenchOptions.Parse(args));
