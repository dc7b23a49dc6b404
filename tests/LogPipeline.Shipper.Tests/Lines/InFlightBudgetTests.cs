using LogPipeline.Shipper.Lines;

namespace LogPipeline.Shipper.Tests.Lines;

/// <summary>The tail loop's side of the budget: it stops reading when full and is woken when room returns.</summary>
public sealed class InFlightBudgetTests
{
    [Fact]
    public void Room_until_the_limit_then_none()
    {
        var budget = new InFlightBudget(1000);
        Assert.True(budget.HasRoom);
        budget.Add(999, 3);
        Assert.True(budget.HasRoom);
        budget.Add(1, 1);
        Assert.False(budget.HasRoom);
        Assert.Equal(1000, budget.Bytes);
        Assert.Equal(4, budget.Lines);
    }

    [Fact]
    public void Room_available_fires_once_per_full_to_room_transition()
    {
        var budget = new InFlightBudget(1000);
        var wakes = 0;
        budget.RoomAvailable += () => wakes++;
        budget.Add(1500, 3);
        Assert.False(budget.HasRoom); // The tail loop saw "full".
        budget.Release(400, 1); // Still at the limit or above: no wake-up.
        Assert.Equal(0, wakes);
        budget.Release(200, 1);
        Assert.Equal(1, wakes);
        budget.Release(100, 1); // Not full since: acks do not wake per line.
        Assert.Equal(1, wakes);
        Assert.Equal(800, budget.Bytes);
        Assert.Equal(0, budget.Lines);
    }

    [Fact]
    public void No_wake_when_the_tail_loop_never_saw_it_full()
    {
        var budget = new InFlightBudget(1000);
        var wakes = 0;
        budget.RoomAvailable += () => wakes++;
        budget.Add(2000, 1);
        budget.Release(2000, 1);
        Assert.Equal(0, wakes);
    }

    [Fact]
    public async Task Releases_on_another_thread_are_counted_exactly()
    {
        var budget = new InFlightBudget(long.MaxValue);
        budget.Add(100_000, 100_000);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 25_000; i++)
            {
                budget.Release(1, 1);
            }
        })));
        Assert.Equal(0, budget.Bytes);
        Assert.Equal(0, budget.Lines);
    }
}
