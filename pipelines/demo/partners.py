"""stub"""

def build(world):
    pass


def write(world, writer):
    pass
