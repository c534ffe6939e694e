def chain(*a, **k): raise NotImplementedError
