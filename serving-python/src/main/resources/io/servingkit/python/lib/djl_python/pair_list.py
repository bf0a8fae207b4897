"""An ordered list of (key, value) pairs, the container of Input and Output content."""


class PairList(object):
    """Keys may repeat and may be None; lookups by key return the first match."""

    __slots__ = ("_keys", "_values")

    def __init__(self, keys=None, values=None):
        self._keys = list(keys) if keys is not None else []
        self._values = list(values) if values is not None else []
        if len(self._keys) != len(self._values):
            raise ValueError("keys and values differ in length: %d != %d" %
                             (len(self._keys), len(self._values)))

    def add(self, key=None, value=None, index=None):
        if index is None:
            self._keys.append(key)
            self._values.append(value)
        else:
            self._keys.insert(index, key)
            self._values.insert(index, value)
        return self

    def add_all(self, other):
        for key, value in other:
            self.add(key, value)
        return self

    def size(self):
        return len(self._keys)

    def is_empty(self):
        return not self._keys

    def key_at(self, index):
        return self._keys[index]

    def value_at(self, index):
        return self._values[index]

    def get_key(self, index):
        return self._keys[index]

    def get_value(self, key):
        return self.get(key)

    def get(self, key):
        """Returns the value of the first pair whose key is `key`; an int selects by position."""
        if isinstance(key, int):
            return self._values[key]
        for k, v in zip(self._keys, self._values):
            if k == key:
                return v
        return None

    def get_keys(self):
        return self._keys

    def get_values(self):
        return self._values

    def remove(self, key):
        """Removes every pair with `key`; returns the first removed value or None."""
        found = None
        i = 0
        while i < len(self._keys):
            if self._keys[i] == key:
                if found is None:
                    found = self._values[i]
                del self._keys[i]
                del self._values[i]
            else:
                i += 1
        return found

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(zip(self._keys, self._values))

    def __repr__(self):
        return "PairList(%r)" % list(zip(self._keys, (type(v).__name__ for v in self._values)))
