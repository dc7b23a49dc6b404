using System.Globalization;

namespace LogPipeline.EndToEnd.Tests.Churn;

/// <summary>
/// What the churn scenario does over time: the web tier's replica counts (as the HPA would set them), the step
/// length, the total request rate and the preStop pause. CI runs <see cref="Ci"/>; <c>LP_CHURN=full</c> selects
/// <see cref="Full"/>, the issue's 3 → 10 → 5 → 15 → 4 (a manual run: ~5 minutes).
/// The ingest group follows the same steps: 1 worker, 3 at the second step, one of them SIGKILLed at the third,
/// one started again at the fourth and one stopped with SIGTERM at the last (1 → 3 → 2 → 3 → 2).
/// </summary>
/// <c>LP_CHURN_OUTAGE=5</c> adds an all-brokers-down outage of that many seconds at the start of the last scale-down.
internal sealed record ChurnSchedule(string Name, IReadOnlyList<int> Pods, TimeSpan Step, double RequestsPerSecond, TimeSpan PreStop)
{
    /// <summary>All brokers down for this long as the last scale-down starts (null: no outage).</summary>
    public TimeSpan? KafkaOutage { get; init; }

    public static ChurnSchedule Ci { get; } = new("ci", [2, 5, 3, 6, 2], TimeSpan.FromSeconds(18), 300, TimeSpan.FromMilliseconds(500));

    public static ChurnSchedule Full { get; } = new("full", [3, 10, 5, 15, 4], TimeSpan.FromSeconds(45), 1500, TimeSpan.FromSeconds(5));

    /// <summary><c>LP_CHURN=full</c>, or a custom list <c>LP_CHURN=3,10,5,15,4</c> with the full step length and rate.</summary>
    public static ChurnSchedule FromEnvironment() =>
        Environment.GetEnvironmentVariable("LP_CHURN_OUTAGE") is { Length: > 0 } seconds
            ? Sized() with { KafkaOutage = TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture)) }
            : Sized();

    private static ChurnSchedule Sized()
    {
        var value = Environment.GetEnvironmentVariable("LP_CHURN");
        if (string.IsNullOrWhiteSpace(value) || value == "ci")
        {
            return Ci;
        }

        if (value == "full")
        {
            return Full;
        }

        var pods = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
        return Full with { Name = value, Pods = pods };
    }

    public override string ToString() =>
        $"{Name}: pods {string.Join(" → ", Pods)}, {Step.TotalSeconds:0} s per step, {RequestsPerSecond:0} req/s, preStop {PreStop.TotalSeconds:0.#} s" +
        (KafkaOutage is { } outage ? $", all brokers down {outage.TotalSeconds:0} s at the last scale-down" : string.Empty);
}
