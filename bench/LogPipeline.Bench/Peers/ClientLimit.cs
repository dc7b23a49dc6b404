using System.Globalization;
using LogPipeline.Bench.Workloads;

namespace LogPipeline.Bench.Peers;

/// <summary>
/// The limit reference: the Confluent .NET producer sending the workload's lines at its rate, without a
/// file (no tailing). It runs as a child process (this executable, <c>limit</c> command) so its CPU and RSS
/// are measured exactly like the tools'.
/// </summary>
public sealed class ClientLimit : ITool
{
    public string Name => "client limit";

    public string? UnavailableReason => null;

    public bool TailsFile => false;

    public bool Supports(WorkloadSpec workload) => workload.Rotation != RotationMode.BuiltIn;

    public ToolProcess Start(ToolContext context)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var args = new List<string>();
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            args.Add(typeof(ClientLimit).Assembly.Location);
        }

        args.AddRange(
        [
            "limit", context.BootstrapServers, context.Topic,
            context.Workload.Lines.ToString(CultureInfo.InvariantCulture),
            context.Workload.LinesPerSecond.ToString(CultureInfo.InvariantCulture),
            context.LinesStartAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        ]);
        return ToolProcess.Start(self, args, context.RunDirectory);
    }
}
