using System.Diagnostics;

namespace LogPipeline.Bench.Peers;

/// <summary>
/// A tool running as a child process in the foreground, its stdout/stderr appended to output.log in its
/// run directory. Stopped with SIGTERM, then killed if it does not exit within the grace period.
/// </summary>
public sealed class ToolProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _output;
    private readonly object _outputLock = new();

    private ToolProcess(Process process, StreamWriter output)
    {
        _process = process;
        _output = output;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string OutputPath { get; private init; } = string.Empty;

    public static ToolProcess Start(string fileName, IEnumerable<string> args, string runDirectory, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = runDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        var outputPath = Path.Combine(runDirectory, "output.log");
        var output = new StreamWriter(outputPath, append: true) { AutoFlush = true };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + fileName);
        var tool = new ToolProcess(process, output) { OutputPath = outputPath };
        process.OutputDataReceived += (_, e) => tool.Append(e.Data);
        process.ErrorDataReceived += (_, e) => tool.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return tool;
    }

    /// <summary>The last lines the tool printed (for failure messages).</summary>
    public string Tail(int lines = 3)
    {
        lock (_outputLock)
        {
            _output.Flush();
        }

        try
        {
            using var fs = new FileStream(OutputPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(fs);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join(" | ", all.TakeLast(lines)).Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>SIGTERM, wait up to <paramref name="grace"/>, then kill the tree.</summary>
    public void Stop(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        _ = NativeSignals.Kill(_process.Id, NativeSignals.SigTerm);
        if (!_process.WaitForExit(grace))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(5));
        _process.Dispose();
        lock (_outputLock)
        {
            _output.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.WriteLine(line);
        }
    }
}
