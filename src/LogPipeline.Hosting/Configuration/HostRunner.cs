using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LogPipeline.Hosting.Configuration;

public static class HostRunner
{
    /// <summary>Exit code for a configuration error (the message names the key).</summary>
    public const int ConfigurationError = 2;

    /// <summary>
    /// Starts and runs the host; a configuration error (validation or binding) stops the process with
    /// a one-line message on stderr that names the key, and exit code 2.
    /// </summary>
    public static async Task<int> RunAsync(IHost host, Func<int>? exitCode = null)
    {
        try
        {
            await host.RunAsync();
            return exitCode?.Invoke() ?? Environment.ExitCode;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync($"configuration error: {string.Join("; ", ex.Failures)}");
            return ConfigurationError;
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0 && ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            // ValidateOnStart reports several invalid sections together.
            var failures = ex.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures);
            await Console.Error.WriteLineAsync($"configuration error: {string.Join("; ", failures)}");
            return ConfigurationError;
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)
                                                  || ex.InnerException is FormatException)
        {
            await Console.Error.WriteLineAsync($"configuration error: {ex.Message}");
            return ConfigurationError;
        }
        finally
        {
            host.Dispose();
        }
    }
}
