namespace LogPipeline.Hosting.CommandLine;

/// <summary>
/// The output of a <c>check</c> command: one line per check, <c>✓ name: detail</c> or
/// <c>✗ name: detail — hint</c>, written as each check finishes; exit code 0 only when every check passed.
/// Not thread-safe: one command runs its checks in order.
/// </summary>
public sealed class CheckReport(TextWriter output)
{
    private int _failed;
    private int _passed;

    public int Failed => _failed;

    public int Passed => _passed;

    /// <summary><see cref="ExitCodes.Success"/> when every check passed, else <see cref="ExitCodes.Failure"/>.</summary>
    public int ExitCode => _failed == 0 ? ExitCodes.Success : ExitCodes.Failure;

    public void Pass(string name, string detail)
    {
        _passed++;
        output.WriteLine($"✓ {name}: {detail}");
    }

    /// <param name="hint">What to do; empty when <paramref name="detail"/> says it already.</param>
    public void Fail(string name, string detail, string hint)
    {
        _failed++;
        output.WriteLine(string.IsNullOrEmpty(hint) ? $"✗ {name}: {detail}" : $"✗ {name}: {detail} — {hint}");
    }

    /// <summary>A check that could not run because an earlier one failed (counted as failed: nothing was proven).</summary>
    public void Skip(string name, string because)
    {
        _failed++;
        output.WriteLine($"✗ {name}: not checked — {because}");
    }

    /// <summary>The closing line.</summary>
    public void Summary()
    {
        output.WriteLine(_failed == 0
            ? $"all {_passed} checks passed"
            : $"{_failed} of {_passed + _failed} checks failed");
    }
}
