namespace LogPipeline.Hosting.Http;

/// <summary>
/// Named liveness and readiness checks. Stages register a check at start-up; the HTTP endpoint
/// evaluates them on each probe (from its own thread), so checks must be cheap and thread-safe.
/// </summary>
public sealed class HealthRegistry
{
    private readonly Lock _gate = new();
    private readonly List<(string Name, Func<string?> Check)> _liveness = [];
    private readonly List<(string Name, Func<string?> Check)> _readiness = [];

    /// <summary>Adds a liveness check: returns null when healthy, else the reason.</summary>
    public void AddLiveness(string name, Func<string?> check)
    {
        lock (_gate)
        {
            _liveness.Add((name, check));
        }
    }

    /// <summary>Adds a readiness check: returns null when ready, else the reason.</summary>
    public void AddReadiness(string name, Func<string?> check)
    {
        lock (_gate)
        {
            _readiness.Add((name, check));
        }
    }

    public IReadOnlyList<string> FailingLiveness() => Evaluate(_liveness);

    public IReadOnlyList<string> FailingReadiness() => Evaluate(_readiness);

    private List<string> Evaluate(List<(string Name, Func<string?> Check)> checks)
    {
        (string Name, Func<string?> Check)[] snapshot;
        lock (_gate)
        {
            snapshot = [.. checks];
        }

        var failing = new List<string>();
        foreach (var (name, check) in snapshot)
        {
            string? reason;
            try
            {
                reason = check();
            }
#pragma warning disable CA1031 // A throwing check is reported as failing, never crashes the probe.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                reason = ex.Message;
            }

            if (reason is not null)
            {
                failing.Add($"{name}: {reason}");
            }
        }

        return failing;
    }
}
