"""A training script as many start: it reads data next to it and saves the model next to it."""
import pandas as pd
import torch

frame = pd.read_csv("data/train.csv")
model = torch.nn.Linear(frame.shape[1] - 1, 1)
torch.save(model, "model.pt")
