using LogPipeline.Bench.Workloads;

namespace LogPipeline.Bench.Peers;

/// <summary>Everything a tool needs for one run: where the log is, where its state goes, where Kafka is.</summary>
/// <param name="RunDirectory">A fresh directory for this tool × workload (config, state, pid, output).</param>
/// <param name="LogPath">The live access log the generator writes (rotated siblings are LogPath.1).</param>
/// <param name="BootstrapServers">The mock cluster.</param>
/// <param name="Topic">A topic of its own for this run.</param>
/// <param name="Workload">The workload (the limit reference generates the same lines itself).</param>
/// <param name="LinesStartAt">When the generator starts writing (the limit reference starts producing then).</param>
public sealed record ToolContext(string RunDirectory, string LogPath, string BootstrapServers, string Topic, WorkloadSpec Workload, DateTimeOffset LinesStartAt)
{
    public string StateDirectory => Path.Combine(RunDirectory, "state");

    public string PidFile => Path.Combine(RunDirectory, "tool.pid");
}

/// <summary>A shipper under test (ours or a peer) or the client-limit reference.</summary>
public interface ITool
{
    string Name { get; }

    /// <summary>Why this tool cannot run on this machine, or null when it can.</summary>
    string? UnavailableReason { get; }

    /// <summary>True when the tool reads the generator's file (false for the limit reference, which generates lines itself).</summary>
    bool TailsFile { get; }

    bool Supports(WorkloadSpec workload);

    ToolProcess Start(ToolContext context);
}
