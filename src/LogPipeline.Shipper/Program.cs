Console.WriteLine("shipper");
