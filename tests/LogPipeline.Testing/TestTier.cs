namespace LogPipeline.Testing;

/// <summary>
/// The two test tiers. Unit tests carry no trait and run in parallel; tests that start processes, real nginx or
/// the mock Kafka cluster under load carry <c>[Trait(TestTier.Name, TestTier.Process)]</c> (the end-to-end assembly
/// as a whole) and CI runs them in a step of their own, one test assembly at a time, so load tests of one
/// assembly never share the 2 cores with those of another (.ci/run).
/// </summary>
public static class TestTier
{
    public const string Name = "Tier";

    public const string Process = "Process";
}
