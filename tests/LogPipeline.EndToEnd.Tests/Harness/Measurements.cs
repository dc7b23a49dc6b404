namespace LogPipeline.EndToEnd.Tests.Harness;

/// <summary>
/// Where scenarios record what they measured (loss, duplicates, books): the test output, and one line per
/// scenario appended to <c>e2e-measurements.log</c> beside the test assembly, the source of docs/reliability.md.
/// </summary>
internal static class Measurements
{
    private static readonly Lock Gate = new();

    public static string FilePath => Path.Combine(AppContext.BaseDirectory, "e2e-measurements.log");

    public static void Record(string scenario, string result)
    {
        var line = $"{DateTime.UtcNow:O} | {scenario} | {result}";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        lock (Gate)
        {
            File.AppendAllText(FilePath, line + Environment.NewLine);
        }
    }
}
