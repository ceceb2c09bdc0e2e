"""The zoo entry made by: kerazoo train shapes chopped_vgg --data size=32 --hp filters=8 --hp dense_units=32 --epochs 8 --train-size 3000 --val-size 300 --seed 0"""
