namespace LogPipeline.Testing;

/// <summary>
/// Waiting for a condition instead of sleeping for a guessed time: polls until it holds or a deadline passes. A test
/// that waits for "the shipper is delivering" this way neither wastes time on a fast box nor races on a slow one.
/// </summary>
public static class Poll
{
    /// <summary>The pause between two checks: short against the seconds-long timeouts, long enough not to spin.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes; returns whether it held.</summary>
    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, cancellationToken);

    /// <inheritdoc cref="UntilAsync(Func{bool}, TimeSpan, CancellationToken)"/>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(Interval, cancellationToken);
        }

        return await condition();
    }
}
